fn main() {
    let p = std::env::args().nth(1).unwrap();
    let b = std::fs::read(&p).unwrap();
    let c = xxgk::stages::extract::pdf::read(&b).unwrap();
    let mut row = u32::MAX;
    let mut line = String::new();
    for cell in &c.cells {
        if cell.row != row {
            if !line.is_empty() {
                println!("{line}");
            }
            line = format!("{:3}:", cell.row);
            row = cell.row;
        }
        line.push_str(&format!(" [{}]", cell.text.replace('\n', "⏎")));
    }
    println!("{line}");
}
